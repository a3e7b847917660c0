import { printCurlCommands } from './keep-running.js';
import { runStory } from './story.js';
import { summaryTable } from './summary-table.js';
import { createTimeline } from './timeline.js';

const keepRunning = process.argv.includes('--keep-running');
const timeline = createTimeline();
const startedAt = performance.now();

timeline.text(
  'Tessera demo: auth, inventory, orders and shipping on 127.0.0.1, tokens by @tessera/node + @tessera/axios, DPoP by @tessera/dpop',
);
const story = await runStory({ timeline });

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
