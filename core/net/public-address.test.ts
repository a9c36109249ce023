import { describe, expect, it } from 'vitest';
import { judgeAddress, publicTargetProblem } from './public-address';

describe('judgeAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '100.63.255.255', // just below carrier-grade NAT
    '100.128.0.0', // just above it
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '192.167.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '[2a00:1450:4001:80b::200e]',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
    '2002:808:808::1', // 6to4 of 8.8.8.8
  ])('%s is public', (address) => {
    expect(judgeAddress(address)).toEqual({ public: true });
  });

  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    'fe80::1',
    'fe80::1%eth0',
    'fd12:3456:789a::1',
    'fc00::1',
    'ff02::1',
    '2001:db8::1',
    '100::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:a00:1::1', // 6to4 of 10.0.0.1
  ])('%s is not public', (address) => {
    expect(judgeAddress(address)).toEqual({ public: false, reason: 'special_purpose' });
  });

  it.each(['hooks.example.com', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '::1::2', '12345::', '1:2:3:4:5:6:7:8:9', '', 'g::1'])('%j is not an address', (text) => {
    expect(judgeAddress(text)).toEqual({ public: false, reason: 'not_an_address' });
  });
});

describe('publicTargetProblem', () => {
  it.each(['https://hooks.example.com/services/T0/B0/x', 'https://8.8.8.8/hook', 'https://[2606:4700:4700::1111]:8443/h', 'https://Hooks.Example.COM./x'])('%s may be tried', (url) => {
    expect(publicTargetProblem(url)).toBeUndefined();
  });

  it.each([
    ['http://hooks.example.com/x', 'must be an https URL'],
    ['ftp://hooks.example.com/x', 'must be an https URL'],
    ['not a url', 'must be a URL'],
    ['https://localhost/x', 'must be a public address, not this server or its network'],
    ['https://LOCALHOST./x', 'must be a public address, not this server or its network'],
    ['https://api.localhost/x', 'must be a public address, not this server or its network'],
    ['https://printer.local/x', 'must be a public address, not this server or its network'],
    ['https://metadata.google.internal/x', 'must be a public address, not this server or its network'],
    ['https://127.0.0.1:8080/x', 'must be a public address, not this server or its network'],
    ['https://127.1/x', 'must be a public address, not this server or its network'], // the URL parser spells it 127.0.0.1
    ['https://0x7f000001/x', 'must be a public address, not this server or its network'],
    ['https://2130706433/x', 'must be a public address, not this server or its network'],
    ['https://[::1]/x', 'must be a public address, not this server or its network'],
    ['https://[::ffff:192.168.0.1]/x', 'must be a public address, not this server or its network'],
    ['https://169.254.169.254/latest/meta-data', 'must be a public address, not this server or its network'],
    ['https://intranet/x', 'must name a public host'],
  ])('%s: %s', (url, problem) => {
    expect(publicTargetProblem(url)).toBe(problem);
  });
});
