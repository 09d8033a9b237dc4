// @ts-check
/**
 * Tandem explain view (webview side): shows the streamed explanation, then the badge with the
 * backend, model, time to first token and total latency, and once the answer is complete a
 * thumbs up / down (native buttons: keyboard and screen readers work; aria-pressed shows the
 * vote; a new click changes it). Text is rendered with textContent only; ``` fences become code
 * blocks and `backticks` inline code, nothing else is interpreted.
 *
 * Messages are the types of extension/src/webviewMessages.ts (checked by tsconfig.js.json):
 * @typedef {import('../extension/src/webviewMessages').ExplainBadge} ExplainBadge
 * @typedef {import('../extension/src/webviewMessages').ExplainPhase} ExplainPhase
 * @typedef {import('../extension/src/webviewMessages').ExplainViewState} ExplainViewState
 * @typedef {import('../extension/src/webviewMessages').ExplainRating} ExplainRating
 * @typedef {import('../extension/src/webviewMessages').ExplainHostMessage} ExplainHostMessage
 * @typedef {import('../extension/src/webviewMessages').ExplainWebviewMessage} ExplainWebviewMessage
 */
(function () {
  /** @type {{ postMessage(message: ExplainWebviewMessage): void }} */
  const host = acquireVsCodeApi();

  /** @type {ExplainViewState | undefined} */
  let state;

  /** @param {string} id */
  function byId(id) {
    const element = document.getElementById(id);
    if (!element) throw new Error(`Tandem explain view: missing #${id}`);
    return element;
  }

  /**
   * @param {string} tag
   * @param {string} text
   * @param {string} [className]
   */
  function element(tag, text, className) {
    const node = document.createElement(tag);
    node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** A paragraph with `inline code` spans. @param {string} text */
  function paragraph(text) {
    const p = document.createElement('p');
    text.split('`').forEach((part, index) => {
      if (part === '') return;
      p.append(index % 2 === 1 ? element('code', part) : document.createTextNode(part));
    });
    return p;
  }

  /** Renders the whole text; an unclosed fence while streaming is shown as code already. @param {string} text */
  function renderText(text) {
    /** @type {HTMLElement[]} */
    const nodes = [];
    text.split('```').forEach((part, index) => {
      if (index % 2 === 1) {
        const newline = part.indexOf('\n');
        const language = newline >= 0 ? part.slice(0, newline).trim() : '';
        const code = newline >= 0 ? part.slice(newline + 1) : part;
        const pre = document.createElement('pre');
        const codeNode = element('code', code.replace(/\n$/, ''));
        if (language) pre.dataset.language = language;
        pre.append(codeNode);
        nodes.push(pre);
        return;
      }
      for (const block of part.split(/\n{2,}/)) {
        if (block.trim()) nodes.push(paragraph(block.replace(/^\n+|\n+$/g, '')));
      }
    });
    byId('text').replaceChildren(...nodes);
  }

  /** @param {ExplainBadge | undefined} badge */
  function renderBadge(badge) {
    const container = byId('badge');
    const fallback = byId('fallback');
    if (!badge) {
      container.hidden = true;
      fallback.hidden = true;
      return;
    }
    const chips = [
      element('span', badge.backend, `chip backend backend-${badge.backend}`),
      element('span', badge.model, 'chip model'),
      element('span', `TTFT ${badge.ttft}`, 'chip'),
      element('span', `total ${badge.total}`, 'chip'),
    ];
    if (badge.cache) chips.push(element('span', badge.cache, 'chip cache'));
    container.replaceChildren(...chips);
    container.hidden = false;
    fallback.textContent = badge.fallbackReason ? `Fell back to ${badge.backend}: ${badge.fallbackReason}` : '';
    fallback.hidden = !badge.fallbackReason;
  }

  /** @param {string} id @param {string | undefined} text */
  function renderOptional(id, text) {
    const node = byId(id);
    node.textContent = text ?? '';
    node.hidden = !text;
  }

  /** @param {ExplainPhase} phase @param {string} text */
  function phaseText(phase, text) {
    if (phase === 'streaming') return text ? 'Generating…' : 'Waiting for the first token…';
    if (phase === 'stopped') return 'Stopped.';
    return '';
  }

  /** The thumbs, built once below the text; their ids are not in the page body, so no byId. */
  const feedback = (() => {
    const group = document.createElement('div');
    group.className = 'feedback';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', 'Rate this explanation');
    group.hidden = true;
    const label = element('span', 'Was this explanation helpful?', 'feedback-label');
    /** @param {ExplainRating} rating @param {string} glyph @param {string} name */
    const vote = (rating, glyph, name) => {
      const button = element('button', glyph, `vote vote-${rating === 1 ? 'up' : 'down'}`);
      button.setAttribute('type', 'button');
      button.setAttribute('aria-label', name);
      button.setAttribute('aria-pressed', 'false');
      button.title = name;
      button.addEventListener('click', () => {
        if (!state || state.phase !== 'done' || !state.requestId) return;
        host.postMessage({ type: 'explain/feedback', streamId: state.streamId, rating });
        // Shown at once; the host's next state says the same.
        state = { ...state, feedback: rating };
        render();
      });
      return button;
    };
    const up = vote(1, '\u{1F44D}', 'Helpful');
    const down = vote(-1, '\u{1F44E}', 'Not helpful');
    const status = element('span', '', 'feedback-status');
    status.setAttribute('role', 'status');
    group.append(label, up, down, status);
    byId('phase').after(group);
    return { group, up, down, status };
  })();

  /** @param {ExplainViewState} current */
  function renderFeedback(current) {
    feedback.group.hidden = !(current.phase === 'done' && current.requestId);
    feedback.up.setAttribute('aria-pressed', String(current.feedback === 1));
    feedback.down.setAttribute('aria-pressed', String(current.feedback === -1));
    feedback.status.textContent =
      current.feedback === 1 ? 'Thanks: marked helpful.' : current.feedback === -1 ? 'Thanks: marked not helpful.' : '';
  }

  function render() {
    if (!state) return;
    byId('title').textContent = `Explain ${state.title}`;
    renderText(state.text);
    renderBadge(state.badge);
    renderOptional('note', state.note);
    renderOptional('error', state.phase === 'error' ? state.error : undefined);
    byId('phase').textContent = phaseText(state.phase, state.text);
    byId('stop').hidden = state.phase !== 'streaming';
    renderFeedback(state);
  }

  window.addEventListener('message', (event) => {
    /** @type {ExplainHostMessage} */
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'explain/state':
        state = message.state;
        render();
        break;
      case 'explain/delta':
        if (!state || state.streamId !== message.streamId || state.phase !== 'streaming') return;
        state = { ...state, text: (message.reset ? '' : state.text) + message.delta };
        render();
        break;
      default:
        break; // Unknown messages come from a newer or older host: ignore them.
    }
  });

  byId('stop').addEventListener('click', () => host.postMessage({ type: 'explain/stop' }));
  host.postMessage({ type: 'ready' });
})();
