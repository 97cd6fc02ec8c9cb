// One ECharts canvas, with only the charts and components the back office uses registered
// (echarts/core keeps the bundle small).
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, HeatmapChart, PieChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** Calls `onClick` with the index of the clicked data item (a bar, a point, a slice). */
export function EChart({ option, height = 320, testId, onClick }: { option: ChartOption; height?: number; testId?: string; onClick?: (dataIndex: number) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clicked = useRef(onClick);
  clicked.current = onClick;
  useEffect(() => {
    if (!el.current) return undefined;
    const instance = echarts.init(el.current);
    chart.current = instance;
    instance.on('click', (params: { dataIndex?: number }) => {
      if (params.dataIndex !== undefined) clicked.current?.(params.dataIndex);
    });
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div ref={el} style={{ width: '100%', height }} data-testid={testId} />;
}
