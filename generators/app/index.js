// Yeoman finds generators at generators/<name>/index.js; the generator itself is TypeScript,
// compiled to dist/ by `npm run build` (run by `npm install` of the package via `prepare`).
export { default } from '../../dist/generators/app/app.js';
