import { hostList, ipAddress, parseHost } from '../src/index.js';

const EXPECTED = 'host names or addresses such as web-1, web-1:2222, 10.0.0.5 or [2001:db8::1]:22';

describe('host entries', () => {
  it.each([
    ['web-1', { host: 'web-1' }],
    ['web-1:2222', { host: 'web-1', port: 2222 }],
    ['sophia.example.com', { host: 'sophia.example.com' }],
    ['sophia.example.com.', { host: 'sophia.example.com.' }],
    ['104.171.202.117', { host: '104.171.202.117' }],
    ['192.222.58.232:22', { host: '192.222.58.232', port: 22 }],
    ['[2001:db8::1]:2222', { host: '2001:db8::1', port: 2222 }],
    ['[::1]', { host: '::1' }],
    ['2001:db8::1', { host: '2001:db8::1' }],
    ['fe80::1%eth0', { host: 'fe80::1%eth0' }],
  ])('reads %j', (entry, target) => expect(parseHost('host', entry)).toEqual(target));

  it.each([
    'web_1',
    '-web',
    'web-',
    'web-1:0',
    'web-1:65536',
    'web-1:ssh',
    'web-1:',
    '999.1.1.1',
    '10.0.0',
    '[10.0.0.5]:22',
    '[:::::]:22',
    ':::::',
    '[2001:db8::1]:',
    'a'.repeat(64),
    'user@web-1',
    'web 1',
  ])('refuses %j', (entry) => {
    expect(() => parseHost('host', entry)).toThrow(`Input "host" must be ${EXPECTED}, got ${JSON.stringify(entry)}`);
  });
});

describe('host lists', () => {
  it('reads newline- and comma-separated hosts', () => {
    expect(hostList('host', '104.171.202.117, 104.171.202.103\n[::1]:2222\n')).toEqual([
      { host: '104.171.202.117' },
      { host: '104.171.202.103' },
      { host: '::1', port: 2222 },
    ]);
  });
  it('refuses an empty list', () => {
    expect(() => hostList('host', ' , \n')).toThrow(`Input "host" must be ${EXPECTED}, got " , \\n"`);
  });
  it('refuses a host named twice', () => {
    expect(() => hostList('host', 'web-1,web-1')).toThrow(
      'Input "host" must be a list without repeated hosts (web-1:22 is named twice; an entry without a port uses 22), got "web-1,web-1"',
    );
  });
  it.each([
    ['web-1, web-1:22', 22, 'web-1:22'],
    ['127.0.0.1, 127.0.0.1:43903', 43903, '127.0.0.1:43903'],
    ['[2001:db8::1]:2222\n2001:db8::1', 2222, '[2001:db8::1]:2222'],
  ])('refuses %j with default port %d: one host once the default port applies', (raw, port, label) => {
    expect(() => hostList('host', raw, port)).toThrow(
      `Input "host" must be a list without repeated hosts (${label} is named twice`,
    );
  });
  it('keeps one address on two ports as two hosts', () => {
    expect(hostList('host', '127.0.0.1, 127.0.0.1:2222', 22)).toEqual([
      { host: '127.0.0.1' },
      { host: '127.0.0.1', port: 2222 },
    ]);
  });
  it('names the bad entry, not the whole list', () => {
    expect(() => hostList('host', 'web-1\nweb_2')).toThrow(`Input "host" must be ${EXPECTED}, got "web_2"`);
  });
});

describe('IP addresses', () => {
  it.each(['104.171.202.117', '::1', '2001:db8::1'])('reads %j', (raw) =>
    expect(ipAddress('node-address', raw)).toBe(raw),
  );
  it.each(['mcp-node', '104.171.202', '104.171.202.117:22', '[::1]', ''])('refuses %j', (raw) => {
    expect(() => ipAddress('node-address', raw)).toThrow(
      `Input "node-address" must be an IPv4 or IPv6 address such as 104.171.202.117, got ${JSON.stringify(raw)}`,
    );
  });
});
