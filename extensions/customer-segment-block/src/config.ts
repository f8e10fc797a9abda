// The app's origin. Replaced at build time: extensions/build.mjs defines it from
// SHOPIFY_APP_URL, the Shopify CLI from the app's URL. Checkout and customer-account
// extensions run on Shopify's CDN, so relative URLs would not reach the app.
declare const process: { env: { APP_URL?: string } };

export const APP_URL: string = process.env.APP_URL ?? "";
