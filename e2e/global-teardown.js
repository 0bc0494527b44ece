// Removes the data directory the run created for its server; one given in E2E_DATA_DIR stays.
const fs = require('node:fs');

module.exports = async () => {
  const created = process.env.E2E_CREATED_DATA_DIR;
  if (created) {
    fs.rmSync(created, { recursive: true, force: true });
  }
};
