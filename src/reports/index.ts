// What other domains and the composition root may use of reports.
export { refreshRollups } from './rollups';
export { salesReport, salesDashboard, salesHeatmap, sellers, verifyRollups, REPORT_BYS, type ReportBy, type SalesReport, type VerifyResult } from './service';
export { storeMeasures, cashierPerformance, type StoreMeasures, type CashierRow } from './store-measures';
export { membersReport, type MembersReport } from './repurchase';
export { writeDailyReports, deliverDailyReports, listDailyReports, getDailyReport, type DailyReport } from './daily-report';
export { reportCsv, reportXlsx } from './export';
export { reportsRoutes } from './routes';
