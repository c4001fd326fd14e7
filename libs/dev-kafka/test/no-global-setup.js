/* global module */
// For running these tests without the repo-wide dev stack (jest --globalSetup this-file).
module.exports = async () => {};
