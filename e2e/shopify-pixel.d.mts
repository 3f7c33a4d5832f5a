/** See shopify-pixel.mjs. */
export declare function pixelCode(readme: string, at: { tenant: string; base: string }): string;
export declare const CHECKOUT: object;
export declare const thankYouPage: (pixel: string, checkout?: object) => string;
