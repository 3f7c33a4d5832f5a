/** See page-scripts.mjs. */
export declare const holdStore: string;
export declare const storeTurn: string;
export declare const holdLock: string;
