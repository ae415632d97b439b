// The panel's form controls, built on @vscode/webview-ui-toolkit; the only file that knows the toolkit, so a swap
// (to @vscode-elements/elements, its maintained successor) touches this file alone.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the toolkit's custom elements once. */
export function registerControls(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());
  registered = true;
}

export interface Choice {
  readonly value: string;
  readonly label: string;
}

/** A labelled wrapper, so every control is announced by name and reachable with Tab. */
function labelled(id: string, label: string, control: HTMLElement): HTMLElement {
  const wrapper = document.createElement('div');
  wrapper.className = 'control';
  const caption = document.createElement('label');
  caption.htmlFor = id;
  caption.textContent = label;
  control.id = id;
  control.setAttribute('aria-label', label);
  wrapper.append(caption, control);
  return wrapper;
}

export function dropdown(options: {
  id: string;
  label: string;
  choices: readonly Choice[];
  value: string;
  onChange: (value: string) => void;
}): HTMLElement {
  const element = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  for (const choice of options.choices) {
    const option = document.createElement('vscode-option') as HTMLElement & { value: string };
    option.setAttribute('value', choice.value);
    option.textContent = choice.label;
    if (choice.value === options.value) option.setAttribute('selected', '');
    element.append(option);
  }
  element.addEventListener('change', () => options.onChange(element.value));
  return labelled(options.id, options.label, element);
}

export function textField(options: {
  id: string;
  label: string;
  value: string;
  size?: number;
  onChange: (value: string) => void;
}): HTMLElement {
  const element = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  element.setAttribute('value', options.value);
  element.setAttribute('size', String(options.size ?? 6));
  element.addEventListener('change', () => options.onChange(element.value));
  return labelled(options.id, options.label, element);
}

export function button(options: {
  id: string;
  label: string;
  appearance?: 'primary' | 'secondary';
  onClick: () => void;
}): HTMLElement {
  const element = document.createElement('vscode-button');
  element.id = options.id;
  element.setAttribute('appearance', options.appearance ?? 'secondary');
  element.textContent = options.label;
  element.addEventListener('click', options.onClick);
  return element;
}

/** Sets a control's value from outside (a what-if reset), whatever the toolkit's element type. */
export function setControlValue(id: string, value: string): void {
  const element = document.getElementById(id) as (HTMLElement & { value?: string }) | null;
  if (element) element.value = value;
}
