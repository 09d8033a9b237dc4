import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelLoadError } from '../../server/src/backends/backend';
import { resolveModelLocation } from '../../server/src/backends/local/modelLocation';
import { checkModelDirectory, describeLoadFailure, readTrainedContext } from '../../server/src/backends/local/modelFiles';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-model-files-'));
after(() => fs.rmSync(temp, { recursive: true, force: true }));

function modelDir(name: string, files: Record<string, string>): string {
  const dir = path.join(temp, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

function loadError(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ModelLoadError, `expected ModelLoadError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ModelLoadError');
}

describe('resolveModelLocation', () => {
  it("maps 'bundled' to the task's directory under the models root", () => {
    const location = resolveModelLocation('bundled', 'explain', { allowRemoteModels: false, modelsRoot: '/opt/m' });
    assert.deepEqual(location, { kind: 'directory', path: '/opt/m/tandem-explain-mini', name: 'tandem-explain-mini', bundled: true });
  });

  it('treats paths and existing directories as directories', () => {
    assert.equal(resolveModelLocation('/no/such/dir', 'completion', { allowRemoteModels: false }).kind, 'directory');
    fs.mkdirSync(path.join(temp, 'sub'), { recursive: true });
    const location = resolveModelLocation('sub', 'completion', { allowRemoteModels: false, cwd: temp });
    assert.deepEqual(location, { kind: 'directory', path: path.join(temp, 'sub'), name: 'sub', bundled: false });
  });

  it('refuses hub ids unless remote models are allowed', () => {
    const error = loadError(() => resolveModelLocation('Qwen/Qwen2.5-Coder-0.5B', 'completion', { allowRemoteModels: false, cwd: temp }));
    assert.match(error.message, /Qwen\/Qwen2\.5-Coder-0\.5B/);
    assert.match(error.message, /allowRemoteModels/);
    const allowed = resolveModelLocation('Qwen/Qwen2.5-Coder-0.5B', 'completion', { allowRemoteModels: true, cwd: temp });
    assert.deepEqual(allowed, { kind: 'hub', id: 'Qwen/Qwen2.5-Coder-0.5B', name: 'Qwen/Qwen2.5-Coder-0.5B' });
  });

  it('rejects settings that are neither a directory nor a hub id', () => {
    assert.match(
      loadError(() => resolveModelLocation('not a model', 'explain', { allowRemoteModels: true, cwd: temp })).message,
      /neither/,
    );
  });
});

describe('checkModelDirectory', () => {
  const decoder = { 'config.json': '{"model_type":"gpt2"}', 'tokenizer.json': '{}' };

  it('names a missing directory', () => {
    const missing = path.join(temp, 'missing');
    const error = loadError(() => checkModelDirectory(missing, 'q8'));
    assert.equal(error.message, `Model directory "${missing}" does not exist.`);
    assert.equal(error.modelPath, missing);
  });

  it('names a missing or invalid config.json and a missing tokenizer.json', () => {
    assert.match(loadError(() => checkModelDirectory(modelDir('noconfig', { 'x.txt': '' }), 'q8')).message, /no readable config\.json/);
    assert.match(
      loadError(() => checkModelDirectory(modelDir('badjson', { 'config.json': '{' }), 'q8')).message,
      /config\.json" is not valid JSON/,
    );
    assert.match(loadError(() => checkModelDirectory(modelDir('notok', { 'config.json': '{}' }), 'q8')).message, /no tokenizer\.json/);
  });

  it('says which ONNX file the dtype needs and which ones exist', () => {
    const dir = modelDir('wrongname', { ...decoder, 'onnx/decoder.onnx': 'x' });
    const error = loadError(() => checkModelDirectory(dir, 'q8'));
    assert.equal(error.message, `Model directory "${dir}" has no onnx/model_quantized.onnx for dtype q8 (it has onnx/decoder.onnx).`);
  });

  it('falls back to the precision the model ships in', () => {
    const dir = modelDir('fp32only', { ...decoder, 'onnx/model.onnx': 'x' });
    assert.deepEqual(checkModelDirectory(dir, 'q8'), {
      dtype: 'fp32',
      encoderDecoder: false,
      modelType: 'gpt2',
      files: ['config.json', 'tokenizer.json', 'onnx/model.onnx'],
    });
    fs.writeFileSync(path.join(dir, 'onnx/model_quantized.onnx'), 'x');
    assert.equal(checkModelDirectory(dir, 'q8').dtype, 'q8');
    assert.equal(checkModelDirectory(dir, 'fp32').dtype, 'fp32');
  });

  it('reads the trained window without loading the model', () => {
    const dir = modelDir('window', {
      'config.json': '{"n_positions":1024,"tandem":{"trained_context":512}}',
      'tokenizer_config.json': '{"model_max_length":1024}',
    });
    assert.equal(readTrainedContext(dir), 512);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"n_positions":1024}');
    assert.equal(readTrainedContext(dir), 1024);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"model_max_length":1e30}');
    assert.equal(readTrainedContext(dir), 1024);
    assert.equal(readTrainedContext(path.join(temp, 'nothing-here')), undefined);
  });

  it('expects an encoder and a merged decoder for encoder-decoder models', () => {
    const dir = modelDir('t5', {
      'config.json': '{"model_type":"t5","is_encoder_decoder":true}',
      'tokenizer.json': '{}',
      'onnx/encoder_model_quantized.onnx': 'x',
    });
    assert.match(loadError(() => checkModelDirectory(dir, 'q8')).message, /no onnx\/decoder_model_merged_quantized\.onnx/);
    fs.writeFileSync(path.join(dir, 'onnx/decoder_model_merged_quantized.onnx'), 'x');
    const checked = checkModelDirectory(dir, 'q8');
    assert.equal(checked.encoderDecoder, true);
    assert.equal(checked.modelType, 't5');
  });

  it('rejects an empty ONNX file', () => {
    const dir = modelDir('empty', { ...decoder, 'onnx/model_quantized.onnx': '' });
    assert.match(loadError(() => checkModelDirectory(dir, 'q8')).message, /model_quantized\.onnx" is empty/);
  });
});

describe('describeLoadFailure', () => {
  it('names the file onnxruntime could not load, in one line', () => {
    const cause = new Error('Load model from /m/onnx/model.onnx failed:Protobuf parsing failed.\n    at Foo (x.js:1:1)');
    const error = describeLoadFailure('/m', cause);
    assert.equal(error.modelPath, '/m/onnx/model.onnx');
    assert.equal(
      error.message,
      'Model file "/m/onnx/model.onnx" could not be loaded by onnxruntime (Protobuf parsing failed); it is corrupt or not an ONNX model.',
    );
    assert.equal(error.cause, cause);
  });

  it('still calls a protobuf failure corrupt when onnxruntime got a buffer (no file name)', () => {
    const error = describeLoadFailure('/m', new Error('Failed to load model because protobuf parsing failed.'));
    assert.equal(error.modelPath, '/m');
    assert.match(error.message, /^A model file in "\/m" could not be loaded by onnxruntime \(protobuf parsing failed\); it is corrupt/);
  });

  it('falls back to the model location and the first line of the cause', () => {
    const error = describeLoadFailure('/m', new Error('Unsupported model type: foo\nstack'));
    assert.equal(error.message, 'Could not load the model at "/m": Unsupported model type: foo.');
  });
});
