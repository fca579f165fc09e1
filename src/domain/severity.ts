/** Severity model from the rollback procedures: what each level means and when it applies. */
export const SEVERITIES = ['critical', 'major', 'minor'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SeverityInfo {
  label: string;
  urgency: string;
  criteria: string[];
}

export const SEVERITY_INFO: Record<Severity, SeverityInfo> = {
  critical: {
    label: 'CRITICAL',
    urgency: 'Immediate rollback',
    criteria: [
      'Application crashes or becomes unresponsive',
      'Data loss or corruption detected',
      'Security vulnerability discovered',
      'Error rate > 5% for > 5 minutes',
      'Complete feature failure affecting all users',
    ],
  },
  major: {
    label: 'MAJOR',
    urgency: 'Rollback within 30 minutes',
    criteria: [
      'Performance degradation > 50% from baseline',
      'Partial feature failure affecting > 25% of users',
      'Memory leak detected',
      'Error rate 1-5% sustained for > 15 minutes',
      'User-reported critical bugs',
    ],
  },
  minor: {
    label: 'MINOR',
    urgency: 'Monitor, consider rollback',
    criteria: [
      'Performance degradation 25-50% from baseline',
      'Non-critical bugs affecting < 10% of users',
      'Error rate < 1%',
      'Minor UX issues',
    ],
  },
};

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
