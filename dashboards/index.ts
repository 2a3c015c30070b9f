/** The report: results (runs, matrices) → a self-contained HTML dashboard and a Markdown tradeoff report. */
export type { ClaimResult, ClaimVerdict } from './claims.ts';
export { type ReportOptions, type ReportResult, writeReport } from './report.ts';
export type { ReportModel } from './report-model.ts';
