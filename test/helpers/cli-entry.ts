// `bin/imbot-server.js` for the compiled tree this file lives in: bin/ always runs dist/, so a
// test built elsewhere (.build-*) spawns this to run its own build's command line.
import { main } from '../../src/cli/main.js';

await main(process.argv);
