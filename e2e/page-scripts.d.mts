/** See page-scripts.mjs. */
export declare const holdStore: string;
