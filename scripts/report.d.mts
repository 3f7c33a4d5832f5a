/** See report.mjs. */
export interface Failure {
  title: string;
  detail: string[];
}
export declare const firstLine: (m?: unknown) => string;
export declare const playwrightCount: (j: any) => [number, number, number];
export declare const playwrightFailures: (j: any) => Failure[];
export declare const unitCount: (j: any) => [number, number, number];
export declare const unitFailures: (j: any, cwd?: string) => Failure[];
