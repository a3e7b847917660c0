import { printCurlCommands } from './keep-running.js';
import { steppedTime } from './stepped-time.js';
import { runStory } from './story.js';
import { summaryTable } from './summary-table.js';
import { createTimeline } from './timeline.js';

const keepRunning = process.argv.includes('--keep-running');
// On a slow or busy machine: time passes only where the story pauses (decision 0757), so the 4 s
// margins of the real-time story cannot be missed. The numbers the story checks are the same.
const stepped = process.argv.includes('--stepped-time');
const timeline = createTimeline();
const startedAt = performance.now();

timeline.text(
  'Tessera demo: auth, inventory, orders and shipping on 127.0.0.1, tokens by @tessera/node + @tessera/axios, DPoP by @tessera/dpop',
);
const story = await runStory(
  stepped ? { timeline, clock: steppedTime(), inventoryTimeout: 30_000 } : { timeline },
);

timeline.text('');
timeline.text(summaryTable(story.phases));
timeline.text('');
const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
timeline.text(
  story.ok
    ? `Every expectation held (${seconds} s).`
    : `Some expectations did not hold (${seconds} s): see ✗ above.`,
);
process.exitCode = story.ok ? 0 : 1;

if (keepRunning) {
  printCurlCommands(story.services, timeline);
  const stop = (): void => {
    timeline.text('\nStopping the services…');
    story.close().then(() => process.exit());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await story.close();
}
