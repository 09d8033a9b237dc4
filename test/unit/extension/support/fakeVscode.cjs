/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: loaded by require() and forked as a script */
// A small fake of the `vscode` module, for running Tandem's client (and vscode-languageclient
// under it) in plain Node: real behaviour where the client depends on it (events, URIs,
// positions, configuration, commands, status bar, webview panels, document events), a
// permissive stub for everything else the library touches. Test state is in `__fake`.
'use strict';
const nodePath = require('node:path');
const { pathToFileURL, URL } = require('node:url');

/** Any property is another stub; calling or constructing one returns a stub. */
function stub(name) {
  const target = function () {
    return stub(`${name}()`);
  };
  return new Proxy(target, {
    get(object, property) {
      if (property === 'then' || property === 'toJSON') return undefined;
      if (property === Symbol.toPrimitive) return () => name;
      if (property === Symbol.iterator) return function* () {};
      if (!(property in object)) object[property] = stub(`${name}.${String(property)}`);
      return object[property];
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}

class Disposable {
  constructor(onDispose) {
    this.onDispose = onDispose;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((item) => item?.dispose?.()));
  }
  dispose() {
    this.onDispose?.();
    this.onDispose = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg, disposables) => {
      const bound = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(bound);
      const disposable = new Disposable(() => this.listeners.delete(bound));
      if (Array.isArray(disposables)) disposables.push(disposable);
      return disposable;
    };
  }
  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

class CancellationTokenSource {
  constructor() {
    this.emitter = new EventEmitter();
    this.token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  }
  cancel() {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.emitter.fire(undefined);
  }
  dispose() {}
}

class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}

class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') {
      this.start = new Position(a, b);
      this.end = new Position(c, d);
    } else {
      this.start = a;
      this.end = b;
    }
  }
  get isEmpty() {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

class Selection extends Range {}

class Uri {
  constructor(scheme, fsPath, text) {
    this.scheme = scheme;
    this.path = fsPath;
    this.fsPath = fsPath;
    this.text = text;
  }
  static file(fsPath) {
    return new Uri('file', fsPath, pathToFileURL(fsPath).toString());
  }
  static parse(text) {
    const url = new URL(text);
    return new Uri(url.protocol.slice(0, -1), decodeURIComponent(url.pathname), text);
  }
  static joinPath(base, ...parts) {
    return Uri.file(nodePath.join(base.fsPath, ...parts));
  }
  with() {
    return this;
  }
  toString() {
    return this.text;
  }
}

class InlineCompletionItem {
  constructor(insertText, range, command) {
    this.insertText = insertText;
    this.range = range;
    this.command = command;
  }
}

class InlineCompletionList {
  constructor(items) {
    this.items = items;
  }
}

class SnippetString {
  constructor(value) {
    this.value = value;
  }
}

class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}

const fake = {
  /** Settings by full dotted key, e.g. 'tandem.routing.policy'. */
  config: {},
  log: [],
  messages: [],
  commands: new Map(),
  inlineProviders: [],
  statusBarItems: [],
  panels: [],
  documents: [],
  inputBoxAnswer: undefined,
  didOpenTextDocument: new EventEmitter(),
  didChangeTextDocument: new EventEmitter(),
  didCloseTextDocument: new EventEmitter(),
  /** `workspace.isTrusted`; set false before activation to test Restricted Mode. */
  trusted: true,
  /** Fire after setting `trusted = true`, as VS Code does when the user trusts the workspace. */
  didGrantWorkspaceTrust: new EventEmitter(),
};

function logChannel(name) {
  const write = (level) => (message, ...data) => {
    const detail = data.map((item) => (item instanceof Error ? item.message : JSON.stringify(item))).join(' ');
    fake.log.push(`[${name} ${level}] ${message}${detail ? ` ${detail}` : ''}`);
  };
  return {
    name,
    // LogLevel.Debug; a test sets `fake.outputLogLevel = 1` (Trace) to see vscode-languageclient's message trace.
    logLevel: fake.outputLogLevel ?? 2,
    onDidChangeLogLevel: new EventEmitter().event,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    append: write('append'),
    appendLine: write('line'),
    replace() {},
    clear() {},
    show() {},
    hide() {},
    dispose() {},
  };
}

function createWebviewPanel(viewType, title, showOptions, options) {
  const fromWebview = new EventEmitter();
  const disposed = new EventEmitter();
  const panel = {
    viewType,
    title,
    showOptions,
    options,
    /** Every message the host posted, as the webview would receive it (JSON round trip). */
    posted: [],
    webview: {
      cspSource: 'vscode-webview://fake',
      html: '',
      asWebviewUri: (uri) => uri,
      postMessage: async (message) => {
        panel.posted.push(JSON.parse(JSON.stringify(message)));
        return true;
      },
      onDidReceiveMessage: fromWebview.event,
    },
    /** Simulates the webview script posting a message to the host. */
    sendFromWebview: (message) => fromWebview.fire(message),
    reveal() {},
    onDidDispose: disposed.event,
    dispose: () => disposed.fire(undefined),
  };
  fake.panels.push(panel);
  return panel;
}

const vscode = stub('vscode');
Object.assign(vscode, {
  version: '1.95.0',
  Disposable,
  EventEmitter,
  CancellationTokenSource,
  CancellationError,
  Position,
  Range,
  Selection,
  Uri,
  InlineCompletionItem,
  InlineCompletionList,
  SnippetString,
  ThemeColor,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
  __fake: fake,
});

vscode.window = Object.assign(stub('window'), {
  createOutputChannel: (name) => logChannel(name),
  createStatusBarItem: () => {
    const item = { text: '', tooltip: '', show() {}, hide() {}, dispose() {} };
    fake.statusBarItems.push(item);
    return item;
  },
  createWebviewPanel,
  showInformationMessage: async (message) => void fake.messages.push(['info', message]),
  showWarningMessage: async (message) => void fake.messages.push(['warning', message]),
  showErrorMessage: async (message) => void fake.messages.push(['error', message]),
  showInputBox: async (options) => {
    fake.lastInputBox = options;
    return fake.inputBoxAnswer;
  },
  withProgress: (_options, task) => task({ report() {} }, new CancellationTokenSource().token),
  activeTextEditor: undefined,
  visibleTextEditors: [],
  onDidChangeActiveTextEditor: new EventEmitter().event,
  onDidChangeVisibleTextEditors: new EventEmitter().event,
  tabGroups: { all: [], onDidChangeTabs: new EventEmitter().event },
});

vscode.workspace = Object.assign(stub('workspace'), {
  getConfiguration: (section) => ({
    get: (key, fallback) => {
      const full = section ? `${section}.${key}` : key;
      if (full in fake.config) return fake.config[full];
      // A section ('tandem', as the library's configuration sync asks) is the nested object.
      const nested = {};
      for (const [dotted, value] of Object.entries(fake.config)) {
        if (!dotted.startsWith(`${full}.`)) continue;
        const parts = dotted.slice(full.length + 1).split('.');
        let node = nested;
        for (const part of parts.slice(0, -1)) node = node[part] ??= {};
        node[parts.at(-1)] = value;
      }
      return Object.keys(nested).length > 0 ? nested : fallback;
    },
    has: (key) => `${section}.${key}` in fake.config,
    inspect: () => undefined,
    update: async () => {},
  }),
  get textDocuments() {
    return fake.documents;
  },
  notebookDocuments: [],
  workspaceFolders: undefined,
  onDidOpenTextDocument: fake.didOpenTextDocument.event,
  onDidCloseTextDocument: fake.didCloseTextDocument.event,
  onDidChangeTextDocument: fake.didChangeTextDocument.event,
  onDidGrantWorkspaceTrust: fake.didGrantWorkspaceTrust.event,
  onDidSaveTextDocument: new EventEmitter().event,
  onWillSaveTextDocument: new EventEmitter().event,
  onDidChangeConfiguration: new EventEmitter().event,
  onDidChangeWorkspaceFolders: new EventEmitter().event,
  fs: { createDirectory: async (uri) => require('node:fs').mkdirSync(uri.fsPath, { recursive: true }) },
  asRelativePath: (uri) => nodePath.basename(uri.fsPath),
});

// A getter (Object.assign above would copy a getter's value once), so tests can flip trust.
Object.defineProperty(vscode.workspace, 'isTrusted', { get: () => fake.trusted, configurable: true });

vscode.languages = Object.assign(stub('languages'), {
  match: (selector, document) =>
    (Array.isArray(selector) ? selector : [selector]).some((filter) => typeof filter === 'object' && filter.scheme === document.uri.scheme)
      ? 10
      : 0,
  registerInlineCompletionItemProvider: (selector, provider) => {
    fake.inlineProviders.push({ selector, provider });
    return new Disposable();
  },
});

vscode.commands = Object.assign(stub('commands'), {
  registerCommand: (id, handler) => {
    fake.commands.set(id, handler);
    return new Disposable(() => fake.commands.delete(id));
  },
  executeCommand: async (id, ...args) => fake.commands.get(id)(...args),
});

vscode.env = Object.assign(stub('env'), { language: 'en', appName: 'Fake VS Code', machineId: 'fake' });

module.exports = vscode;
