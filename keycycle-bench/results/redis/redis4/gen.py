import sys
# usage: gen.py MODE SHA N PREFIX  -> RESP on stdout. MODE: old|new|incr|trivial
mode, sha, n, pfx = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
out = sys.stdout.buffer
def cmd(*a):
    b = [x.encode() if isinstance(x, str) else x for x in a]
    s = b'*%d\r\n' % len(b) + b''.join(b'$%d\r\n%s\r\n' % (len(x), x) for x in b)
    out.write(s)
HIGH = ['1000000000']*3 + ['1000000000000']*3
for i in range(n):
    bk = '{%s}:w%s:g:s%d:m' % (pfx, '4' if mode == 'new' else '', i % 16)
    sk = '{%s}:sc:g:s%d' % (pfx, i % 16)
    rid = 'i1:%x' % i
    if mode == 'incr':
        cmd('INCR', '{%s}:incr' % pfx); cmd('INCR', '{%s}:incr' % pfx); continue
    if mode == 'trivial':
        cmd('EVALSHA', sha, '2', bk, sk, 'reserve', '{%s}' % pfx, '-1', '100', rid, 'i1', '', '', '', '1', '', *HIGH, '-1', '-1', '-1')
        cmd('EVALSHA', sha, '1', bk, 'settle', '{%s}' % pfx, '-1', rid, '1', '90', '100', '{%s}:events' % pfx, 'freed|g|m', 'i1', '-1', '-1', '-1')
        continue
    cmd('EVALSHA', sha, '2', bk, sk, 'reserve', '{%s}' % pfx, '-1', '100', rid, 'i1', '', '', '', '1', '', *HIGH, '-1', '-1', '-1')
    if mode == 'new':
        cmd('EVALSHA', sha, '1', bk, 'settle', '{%s}' % pfx, '-1', rid, '1', '90', '100', '{%s}:events' % pfx, 'freed|g|m', 'i1', '-1', '-1', '-1')
    else:
        cmd('EVALSHA', sha, '1', bk, 'settle', '{%s}' % pfx, '-1', rid, '1', '90', '', '{%s}:events' % pfx, 'freed|g|m', 'i1')
