export * from './lib/location-cache';
export * from './lib/recipient-locator';
