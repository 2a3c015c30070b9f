/** The passthrough baseline's worker process (see serve.ts). */
import { runWorker } from '../runtime/worker-main.ts';
import { type PassthroughConfig, servePassthrough } from './serve.ts';

await runWorker<PassthroughConfig>((ctx) => servePassthrough(ctx));
