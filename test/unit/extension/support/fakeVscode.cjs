/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: loaded by require() and forked as a script */
// A small fake of the `vscode` module, for running Tandem's client (and vscode-languageclient
// under it) in plain Node: real behaviour where the client depends on it (events, URIs,
// positions, configuration, commands, status bar, webview panels, document events, dialogs).
// Strict: reading any API it does not implement throws, naming it, so a test cannot pass by
// calling a permissive stand-in that does nothing; implement what a test needs here instead.
// Test state is in `__fake`.
'use strict';
const { writeFileSync, mkdirSync } = require('node:fs');
const nodePath = require('node:path');
const { pathToFileURL, URL } = require('node:url');

/**
 * Properties the JS runtime and module interop probe on any object (esbuild's `__esModule`,
 * promise resolution's `then`, JSON, util.inspect): reading them is not a use of the API.
 */
const PROBES = new Set(['then', '__esModule', 'toJSON', 'inspect', 'constructor', 'prototype', 'asymmetricMatch', 'nodeType']);

/** Wraps a namespace of the fake so that reading a member it lacks throws. */
function strict(name, namespace) {
  return new Proxy(namespace, {
    get(target, property, receiver) {
      if (typeof property === 'symbol' || property in target || PROBES.has(property)) return Reflect.get(target, property, receiver);
      throw new Error(`fake vscode: ${name}.${property} is not implemented (add it to test/unit/extension/support/fakeVscode.cjs)`);
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

/** VS Code's hierarchical code action kinds (vscode-languageclient maps them at load). */
class CodeActionKind {
  constructor(value) {
    this.value = value;
  }
  append(part) {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
  contains(other) {
    return this.value === '' || other.value === this.value || other.value.startsWith(`${this.value}.`);
  }
  intersects(other) {
    return this.contains(other) || other.contains(this);
  }
}
CodeActionKind.Empty = new CodeActionKind('');
for (const [key, value] of Object.entries({
  QuickFix: 'quickfix',
  Refactor: 'refactor',
  RefactorExtract: 'refactor.extract',
  RefactorInline: 'refactor.inline',
  RefactorMove: 'refactor.move',
  RefactorRewrite: 'refactor.rewrite',
  Source: 'source',
  SourceOrganizeImports: 'source.organizeImports',
  SourceFixAll: 'source.fixAll',
  Notebook: 'notebook',
})) {
  CodeActionKind[key] = new CodeActionKind(value);
}

/**
 * Item classes vscode-languageclient subclasses when its module loads (its Protocol* items);
 * Tandem's client never creates them, so they carry their constructor arguments only.
 */
class CompletionItem {
  constructor(label, kind) {
    this.label = label;
    this.kind = kind;
  }
}
class CodeLens {
  constructor(range, command) {
    this.range = range;
    this.command = command;
  }
}
class CodeAction {
  constructor(title, kind) {
    this.title = title;
    this.kind = kind;
  }
}
class Diagnostic {
  constructor(range, message, severity) {
    this.range = range;
    this.message = message;
    this.severity = severity;
  }
}
class DocumentLink {
  constructor(range, target) {
    this.range = range;
    this.target = target;
  }
}
class InlayHint {
  constructor(position, label, kind) {
    this.position = position;
    this.label = label;
    this.kind = kind;
  }
}
class SymbolInformation {
  constructor(name, kind, containerName, location) {
    this.name = name;
    this.kind = kind;
    this.containerName = containerName;
    this.location = location;
  }
}
class CallHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange) {
    Object.assign(this, { kind, name, detail, uri, range, selectionRange });
  }
}
class TypeHierarchyItem {
  constructor(kind, name, detail, uri, range, selectionRange) {
    Object.assign(this, { kind, name, detail, uri, range, selectionRange });
  }
}

class ThemeColor {
  constructor(id) {
    this.id = id;
  }
}

/**
 * @type {{ config: Record<string, unknown>, log: string[], messages: [string, string][], commands: Map<string, (...args: any[]) => any>,
 *   inlineProviders: { selector: any, provider: any }[], statusBarItems: any[], panels: any[], documents: any[], [state: string]: any }}
 */
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
  /** What `window.showSaveDialog` resolves to (undefined: the user cancelled). */
  saveDialogAnswer: undefined,
  didOpenTextDocument: new EventEmitter(),
  didChangeTextDocument: new EventEmitter(),
  didCloseTextDocument: new EventEmitter(),
  /** `workspace.isTrusted`; set false before activation to test Restricted Mode. */
  trusted: true,
  /** Fire after setting `trusted = true`, as VS Code does when the user trusts the workspace. */
  didGrantWorkspaceTrust: new EventEmitter(),
};

function logChannel(name) {
  const write =
    (level) =>
    (message, ...data) => {
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
  const viewState = new EventEmitter();
  const panel = {
    viewType,
    title,
    showOptions,
    options,
    visible: true,
    onDidChangeViewState: viewState.event,
    /** Simulates the user hiding or showing the panel's tab. */
    setVisible(visible) {
      panel.visible = visible;
      viewState.fire({ webviewPanel: panel });
    },
    /** @type {unknown[]} Every message the host posted, as the webview would receive it (JSON round trip). */
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

const vscode = {
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
  CodeActionKind,
  CompletionItem,
  CodeLens,
  CodeAction,
  Diagnostic,
  DocumentLink,
  InlayHint,
  SymbolInformation,
  CallHierarchyItem,
  TypeHierarchyItem,
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  InlineCompletionTriggerKind: { Invoke: 0, Automatic: 1 },
  __fake: fake,
};

const window = {
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
  showSaveDialog: async (options) => {
    fake.lastSaveDialog = options;
    return fake.saveDialogAnswer;
  },
  withProgress: (_options, task) => task({ report() {} }, new CancellationTokenSource().token),
  activeTextEditor: undefined,
  visibleTextEditors: [],
  onDidChangeActiveTextEditor: new EventEmitter().event,
  onDidChangeVisibleTextEditors: new EventEmitter().event,
  tabGroups: { all: [], onDidChangeTabs: new EventEmitter().event },
};

const workspace = {
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
  // vscode-languageclient's file-operation features subscribe when a server asks for them.
  onWillCreateFiles: new EventEmitter().event,
  onDidCreateFiles: new EventEmitter().event,
  onWillRenameFiles: new EventEmitter().event,
  onDidRenameFiles: new EventEmitter().event,
  onWillDeleteFiles: new EventEmitter().event,
  onDidDeleteFiles: new EventEmitter().event,
  fs: strict('vscode.workspace.fs', {
    createDirectory: async (uri) => void mkdirSync(uri.fsPath, { recursive: true }),
    writeFile: async (uri, bytes) => writeFileSync(uri.fsPath, bytes),
  }),
  asRelativePath: (uri) => nodePath.basename(uri.fsPath),
};

// A getter defined apart from the literal, so tests can flip trust.
Object.defineProperty(workspace, 'isTrusted', { get: () => fake.trusted, configurable: true });

const languages = {
  match: (selector, document) =>
    (Array.isArray(selector) ? selector : [selector]).some((filter) => typeof filter === 'object' && filter.scheme === document.uri.scheme)
      ? 10
      : 0,
  registerInlineCompletionItemProvider: (selector, provider) => {
    fake.inlineProviders.push({ selector, provider });
    return new Disposable();
  },
};

const commands = {
  registerCommand: (id, handler) => {
    fake.commands.set(id, handler);
    return new Disposable(() => fake.commands.delete(id));
  },
  executeCommand: async (id, ...args) => {
    const handler = fake.commands.get(id);
    if (!handler) throw new Error(`fake vscode: command '${id}' not found`);
    return handler(...args);
  },
};

const env = { language: 'en', appName: 'Fake VS Code', machineId: 'fake' };

Object.assign(vscode, {
  window: strict('vscode.window', window),
  workspace: strict('vscode.workspace', workspace),
  languages: strict('vscode.languages', languages),
  commands: strict('vscode.commands', commands),
  env: strict('vscode.env', env),
});

module.exports = strict('vscode', vscode);
