// The roofline chart: data from an Analysis, and the one SVG renderer used by the panel and the CLI.
export * from './types';
export * from '../format';
export { chartDataFromAnalysis, roofsFor } from './data';
export { ridgesOf } from './ridges';
export { renderRoofline, layoutRoofline, pointRadius, pointTitle, MARGIN, type RenderOptions, type RooflineLayout } from './render';
export { CHART_CSS } from './style';
