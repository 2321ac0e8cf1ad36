/**
 * The hostile handler of jail-hostile.int.spec.ts (not a spec itself): a Python script, run as an
 * agent's `command:` in its jail, that performs the attacks listed in `attacks.json` of its
 * workspace and writes `results.json` there: for each attack `{ ok, detail }`, where `ok` means
 * the attack succeeded. Then it tries to send everything it got out, in a reply to boss.
 *
 *   read:<path>              read a file (ok: it read something)
 *   list:<dir>               list a directory (ok: it saw entries)
 *   write:<path>[=<text>]    create or overwrite a file
 *   connect:<path>|@<name>   read from a unix socket (@: abstract)
 *   tcp:<port>               read from 127.0.0.1:<port>
 *   daemon-in-proc           find the daemon (`main.js start`) among the processes in /proc
 *   inherited-fds            any descriptor beyond stdin, stdout, stderr (the daemon's log, a socket)
 *   fill:<dir>               write 160 MiB into a (memory-backed) fresh dir (ok: it all fit)
 *   rename:<name>            rename a mailbox (or BRIEF.md) away
 *   remove:<name>            remove it (recursively)
 *   swaplink:<name>=<target> rename it away, then put a symbolic link to <target> in its place
 *   move-into-inbox          write a file in outbox/, then rename it into inbox/
 *   hardlink:<name>          hard-link it into the workspace
 *   remount-rw:<dir>         remount the (read-only) bind mount read-write
 *   umount:<dir>             unmount it (to see the writable folder beneath)
 *   userns-umount:<dir>      the same from a new user and mount namespace, then write into it
 *   userns-remount-rw:<dir>  likewise with a read-write remount
 */
export const ATTACK_PY = String.raw`
import ctypes, json, os, shutil, socket

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
MS_REMOUNT, MS_BIND, MNT_DETACH = 32, 4096, 2

def err():
    e = ctypes.get_errno()
    return OSError(e, os.strerror(e))

def remount_rw(d):
    if libc.mount(None, d.encode(), None, MS_REMOUNT | MS_BIND, None) != 0: raise err()
    return 'remounted read-write'

def umount(d):
    if libc.umount2(d.encode(), MNT_DETACH) != 0: raise err()
    return 'unmounted'

def in_userns(step, d):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = []
        try:
            if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0: raise err()
            out.append('unshared')
            try: out.append(step(d))
            except OSError as e: out.append('step: ' + str(e))
            with open(os.path.join(d, 'forged-from-userns.md'), 'w') as f: f.write('x')
            out.append('WROTE')
        except OSError as e:
            out.append(str(e))
        os.write(w, json.dumps(out).encode()); os._exit(0)
    os.close(w)
    data = b''
    while True:
        chunk = os.read(r, 65536)
        if not chunk: break
        data += chunk
    os.waitpid(pid, 0)
    out = json.loads(data or b'[]')
    if 'WROTE' in out or any(x in ('unmounted', 'remounted read-write') for x in out): return ' / '.join(out)
    raise OSError(' / '.join(out))

def recv(sock):
    sock.settimeout(3)
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk: break
        data += chunk
    return data.decode(errors='replace')

def attack(a):
    verb, _, arg = a.partition(':')
    if verb == 'read':
        with open(arg, 'rb') as f: data = f.read().decode(errors='replace')
        if not data: raise OSError('read nothing (masked)')
        return data
    if verb == 'list':
        names = os.listdir(arg)
        if not names: raise OSError('empty')
        return ' '.join(sorted(names))
    if verb == 'write':
        p, _, text = arg.partition('=')
        with open(p, 'w') as f: f.write(text or 'x')
        return 'wrote ' + p
    if verb == 'connect':
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # An abstract name as Node binds it: the whole sun_path, padded with NULs.
        s.connect(b'\0' + arg[1:].encode().ljust(107, b'\0') if arg.startswith('@') else arg)
        return recv(s)
    if verb == 'tcp':
        return recv(socket.create_connection(('127.0.0.1', int(arg)), timeout=3))
    if verb == 'daemon-in-proc':
        seen = 0
        for p in os.listdir('/proc'):
            if not p.isdigit(): continue
            seen += 1
            try:
                with open('/proc/%s/cmdline' % p, 'rb') as f: cmd = f.read().replace(b'\0', b' ').decode(errors='replace')
            except OSError: continue
            if 'main.js start' in cmd: return 'found the daemon: pid %s: %s' % (p, cmd)
        raise OSError('%d processes visible, none of them the daemon' % seen)
    if verb == 'inherited-fds':
        fds = os.listdir('/proc/self/fd')
        extra = {}
        for fd in fds:
            if int(fd) <= 2: continue
            try: extra[fd] = os.readlink('/proc/self/fd/' + fd)
            except OSError: pass
        extra = {fd: t for fd, t in extra.items() if t != '/proc/%d/fd' % os.getpid() and not t.endswith('/fd')}
        if extra: return json.dumps(extra)
        raise OSError('only 0, 1 and 2')
    if verb == 'fill':
        chunk, written = b'\0' * 1048576, 0
        try:
            with open(os.path.join(arg, 'fill'), 'wb') as f:
                while written < 160 * 1048576:
                    f.write(chunk); f.flush(); written += len(chunk)
        finally:
            try: os.unlink(os.path.join(arg, 'fill'))
            except OSError: pass
        return 'wrote %d MiB' % (written // 1048576)
    if verb == 'rename':
        os.rename(arg, arg + '.moved')
        return 'renamed'
    if verb == 'remove':
        if os.path.isdir(arg) and not os.path.islink(arg): shutil.rmtree(arg)
        else: os.unlink(arg)
        return 'removed'
    if verb == 'swaplink':
        name, _, target = arg.partition('=')
        os.rename(name, name + '.old')
        os.symlink(target, name)
        return 'swapped'
    if verb == 'move-into-inbox':
        with open('outbox/.sneak', 'w') as f: f.write('---\nfrom: operator\nto: evil\nsubject: sneak\n---\nx\n')
        try:
            os.rename('outbox/.sneak', 'inbox/20260101T000000000Z-normal-sneak01-operator.md')
        finally:
            if os.path.exists('outbox/.sneak'): os.unlink('outbox/.sneak')
        return 'moved into the inbox'
    if verb == 'hardlink':
        os.link(arg, 'linked-' + arg.replace('/', '-'))
        return 'linked'
    if verb == 'remount-rw': return remount_rw(arg)
    if verb == 'umount': return umount(arg)
    if verb == 'userns-umount': return in_userns(umount, arg)
    if verb == 'userns-remount-rw': return in_userns(remount_rw, arg)
    raise ValueError('unknown attack ' + a)

results = {}
for a in json.load(open('attacks.json')):
    try:
        results[a] = {'ok': True, 'detail': str(attack(a))}
    except Exception as e:
        results[a] = {'ok': False, 'detail': str(e)}
with open('results.json', 'w') as f: json.dump(results, f, indent=1)
with open('outbox/.loot.tmp', 'w') as f:
    f.write('---\nto: boss\nsubject: loot\n---\n' + json.dumps(results) + '\n')
os.rename('outbox/.loot.tmp', 'outbox/loot.md')
`;
