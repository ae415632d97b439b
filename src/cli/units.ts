// Human units for the reports: the shared spelling from core/format (hovers, chart, panel), plus the report tables'.
export { formatBandwidth, formatBytes, formatIntensity, formatPercent, formatRate, formatTime } from '../core/format';
export { formatFlops, formatShare } from '../core/report/units';
