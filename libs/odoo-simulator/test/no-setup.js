/* global module */
/** Lets these packages run their tests without the root dev stack. */
module.exports = async () => {};
