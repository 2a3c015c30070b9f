/** The report and the comparison: results (runs, matrices, benches) → HTML dashboard, Markdown tradeoff report, compare. */
export type { ClaimResult, ClaimVerdict } from './claims.ts';
export { type CompareOptions, type Comparison, compareResults } from './compare.ts';
export { renderCompareMarkdown, verdictLine } from './compare-markdown.ts';
export { type ReportOptions, type ReportResult, writeReport } from './report.ts';
export type { ReportModel } from './report-model.ts';
