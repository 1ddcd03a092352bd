export { BusSerializer } from './bus-serializer';
export { BusDeserializer, UndecodableBody } from './bus-deserializer';
export { BusPayloadPipe } from './bus-payload.pipe';
export { BusExceptionFilter } from './bus-exception.filter';
