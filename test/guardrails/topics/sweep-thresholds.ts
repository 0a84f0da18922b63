// Prints accuracy of the topic detector on the labelled set across thresholds (how the default was chosen):
//   node --import tsx test/guardrails/topics/sweep-thresholds.ts
import { scoreTopicItems, topicAccuracy } from './labelled-set.js';

const scored = await scoreTopicItems();
if (process.argv.includes('--items')) {
  for (const s of scored) console.log(s.mode, s.topic ?? '-', s.best.name, s.best.score.toFixed(3), s.text.slice(0, 70));
}
const rows = [];
for (let t = 0.3; t <= 0.8001; t += 0.05) {
  const th = Math.round(t * 100) / 100;
  rows.push({
    threshold: th,
    all: topicAccuracy(scored, th).toFixed(3),
    deny: topicAccuracy(scored.filter((s) => s.mode === 'deny'), th).toFixed(3),
    allow: topicAccuracy(scored.filter((s) => s.mode === 'allow'), th).toFixed(3),
  });
}
console.table(rows);
