// Which bot scopes each Web API method needs, as Slack's method reference lists them
// (docs.slack.dev/reference/methods/<method>, "Scopes: Bot token"), and which events need which scope.

/** How a method's scope is decided: none, a fixed list, or by the kind of conversation it acts on. */
export type ScopeRule =
  | { kind: 'none' }
  | { kind: 'all'; scopes: string[] }
  | { kind: 'by_conversation'; public: string; private: string; im: string; mpim: string }
  /** conversations.list: one scope per conversation type asked for in `types`. */
  | { kind: 'by_types'; public: string; private: string; im: string; mpim: string };

const none: ScopeRule = { kind: 'none' };
const all = (...scopes: string[]): ScopeRule => ({ kind: 'all', scopes });
const history: ScopeRule = {
  kind: 'by_conversation',
  public: 'channels:history',
  private: 'groups:history',
  im: 'im:history',
  mpim: 'mpim:history',
};
const read = { public: 'channels:read', private: 'groups:read', im: 'im:read', mpim: 'mpim:read' };

export const METHOD_SCOPES: Record<string, ScopeRule> = {
  'auth.test': none,
  'chat.postMessage': all('chat:write'),
  'chat.update': all('chat:write'),
  'chat.postEphemeral': all('chat:write'),
  'chat.delete': all('chat:write'),
  'chat.getPermalink': none,
  'conversations.history': history,
  'conversations.replies': history,
  'conversations.info': { kind: 'by_conversation', ...read },
  'conversations.list': { kind: 'by_types', ...read },
  'conversations.join': all('channels:join'),
  'files.getUploadURLExternal': all('files:write'),
  'files.completeUploadExternal': all('files:write'),
  'usergroups.users.list': all('usergroups:read'),
  'users.info': all('users:read'),
  'users.lookupByEmail': all('users:read.email'),
  'views.open': none,
  'views.push': none,
  'views.update': none,
  'views.publish': none,
};

/**
 * Scopes that widen what a method may do rather than gate it: `chat:write.public` lets
 * chat.postMessage post to a public channel the bot is not a member of (it still cannot listen there).
 */
export const WIDENING_SCOPES: Record<string, string> = { 'chat:write.public': 'chat.postMessage' };

/** Bot event subscriptions and the scope each needs (docs.slack.dev/reference/events). */
export const EVENT_SCOPES: Record<string, string[]> = {
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  'message.im': ['im:history'],
  'message.mpim': ['mpim:history'],
  app_home_opened: [],
};

export type ConversationKind = 'public' | 'private' | 'im' | 'mpim';

const TYPE_NAMES: Record<string, ConversationKind> = {
  public_channel: 'public',
  private_channel: 'private',
  im: 'im',
  mpim: 'mpim',
};

/**
 * The scopes a call needs: `conversation` is the kind of the conversation it names (undefined when
 * it names none, or one the fake cannot find, which the method itself then refuses).
 */
export function scopesFor(
  rule: ScopeRule,
  args: Record<string, unknown>,
  conversation: ConversationKind | undefined,
): string[] {
  switch (rule.kind) {
    case 'none':
      return [];
    case 'all':
      return rule.scopes;
    case 'by_conversation':
      return conversation ? [rule[conversation]] : [];
    case 'by_types': {
      const types = typeof args.types === 'string' && args.types !== '' ? args.types : 'public_channel';
      return types
        .split(',')
        .map((t) => TYPE_NAMES[t.trim()])
        .filter((k): k is ConversationKind => k !== undefined)
        .map((k) => rule[k]);
    }
  }
}
