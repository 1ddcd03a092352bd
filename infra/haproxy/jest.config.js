// The workspace's Jest settings as a preset (a path, not a require: the file belongs to no project).
module.exports = { preset: '../../jest.preset.js', displayName: 'haproxy', rootDir: __dirname };
