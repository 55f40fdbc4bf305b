// The dashboard's public surface for the app: mount it on Probot's server (`addHandler`) or any express app.
export {
  mountDashboard,
  createDashboardHandler,
  type DashboardOptions,
  type Handler,
  type MountTarget,
} from './server.js';
export { decideAccess, isLoopback } from './access.js';
