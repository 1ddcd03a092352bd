export * from './jwt-forge';
export * from './local-issuer';
export * from './attacks';
