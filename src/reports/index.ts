// What other domains and the composition root may use of reports.
export { refreshRollups } from './rollups';
export { salesReport, salesDashboard, salesHeatmap, sellers, verifyRollups, REPORT_BYS, type ReportBy, type SalesReport, type VerifyResult } from './service';
export { reportCsv, reportXlsx } from './export';
export { reportsRoutes } from './routes';
