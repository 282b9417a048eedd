// The models module of the specstar command (`--models dist/cli-models.js`): the app's own registration.
export { registerModels as register } from './models';
