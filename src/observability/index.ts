export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.ts';
export {
  createAdminServer,
  type AdminServer,
  type AdminServerOptions,
  type AdminStatusProvider,
  type AdminView,
} from './admin-server.ts';
