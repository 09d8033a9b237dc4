'use strict';
// transformers.js only checks at load time that sharp is there (a truthy export) and calls it for
// image inputs, which Tandem's text models never get: any call is a bug worth a clear message.
module.exports = function sharp() {
  throw new Error('Tandem is packaged without sharp: transformers.js image inputs are not supported.');
};
