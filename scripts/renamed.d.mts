/** See renamed.mjs. */
export declare const RENAMED: string[];
