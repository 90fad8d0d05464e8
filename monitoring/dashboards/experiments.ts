import { dashboard, labelVariable, q, row, stateTimeline, table, timeseries } from './panels.ts';

const E = 'experiment=~"$experiment"';

/** Live experiments (services/drift-monitor/src/experiments/): per arm, what it decided and what it earned. */
export const experimentsDashboard = dashboard({
  uid: 'riskstream-experiments',
  title: 'riskstream / experiments',
  description: 'Live experiments (riskstream experiment): per arm the share of cards it decides, its decisions, realised and estimated precision/recall and business value, and the bandit\'s posterior.',
  variables: [labelVariable('experiment', 'experiment', 'drift_experiment_arm_events')],
  panels: [
    row('Traffic'),
    timeseries('Weight per arm', [q(`drift_experiment_arm_weight{${E}}`, '{{experiment}} {{arm}}')], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      description: 'Share of cards routed to each arm; a bandit moves it as evidence arrives, a split keeps it.',
    }),
    timeseries('P(best) per arm', [q(`drift_experiment_arm_probability_best{${E}}`, '{{experiment}} {{arm}}')], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      description: 'Posterior probability (Thompson sampling) that the arm has the highest value per event.',
    }),
    timeseries('Events per arm', [q(`drift_experiment_arm_events{${E}}`, '{{arm}} scored'), q(`drift_experiment_arm_labelled_events{${E}}`, '{{arm}} labelled')], { unit: 'short', min: 0 }),
    stateTimeline('Stopped arms', [q(`drift_experiment_arm_stopped{${E}}`, '{{experiment}} {{arm}}')], { description: '1 once an arm was stopped (its value fell below the champion\'s by the margin).' }),

    row('Value'),
    timeseries('Value per event (realised where labelled, estimated otherwise)', [q(`drift_experiment_arm_value_per_event{${E}, source="blended"}`, '{{arm}}')], {
      description: 'What the bandit optimises, in VALUE_CURRENCY against approving everything.',
    }),
    timeseries('Total value per arm', [q(`drift_experiment_arm_value{${E}, source="realised"}`, '{{arm}} realised'), q(`drift_experiment_arm_value{${E}, source="estimated"}`, '{{arm}} estimated')]),

    row('Decisions and quality'),
    timeseries('Decisions per arm', [q(`drift_experiment_arm_decisions{${E}}`, '{{arm}} {{decision}}')], { unit: 'short', min: 0 }),
    timeseries('Precision at the arm\'s thresholds', [q(`drift_experiment_arm_precision{${E}}`, '{{arm}} {{source}}')], { unit: 'percentunit', min: 0, max: 1, w: 12 }),
    timeseries('Recall at the arm\'s thresholds', [q(`drift_experiment_arm_recall{${E}}`, '{{arm}} {{source}}')], { unit: 'percentunit', min: 0, max: 1, w: 12 }),
    table('Arms now', [
      q(`drift_experiment_arm_weight{${E}}`, 'weight'),
      q(`drift_experiment_arm_events{${E}}`, 'events'),
      q(`drift_experiment_arm_value_per_event{${E}, source="blended"}`, 'value / event'),
    ], { description: 'riskstream experiment status prints the same with 95% intervals.' }),
  ],
});
