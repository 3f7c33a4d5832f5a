// fast-check draws new inputs on every run, and prints the seed of a run that fails (replay
// it with FC_SEED=<seed> npm run test:unit). `npm test`, which CI runs, sets FC_SEED to a
// fixed value unless it is set already, so that CI is repeatable: a bug that only some seeds
// find fails the run that finds it, locally, rather than one CI run in many.
import fc from 'fast-check';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) | 0 });
