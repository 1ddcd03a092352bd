export { freePort } from './free-port';
export { waitFor } from './wait-for';
export { ManagedProcess } from './managed-process';
export { NatsHarness, type NatsUser } from './nats-harness';
export { RelayHarness, ensureRelayBuilt, type RelayHarnessOptions, type RelayNats } from './relay-harness';
export * from './dev-idp-harness';
export { ComponentWebHarness, ensureComponentWebBuilt, type ComponentWebHarnessOptions } from './component-web-harness';
export { ServicesHarness, ServiceProcess, ensureServicesBuilt, readAuditStream, auditStreamCount, type ServicesHarnessOptions, type ServicesNats, type ServicesIdp, type BusServiceName, type StoredAuditMessage } from './services-harness';
