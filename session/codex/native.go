package codex

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// nativeBinary finds the native codex binary behind the npm package's Node launcher
// (bin/codex.js). Running it directly matters: on Node versions without process.execve
// the launcher spawns the binary as its own child, so killing the launcher (or the server
// dying, through the death signal) would leave the real codex running as an orphan. It
// also spares every run Node's start-up. ok is false when path is not that launcher or
// the binary is not where the package puts it.
func nativeBinary(path string) (native string, env []string, ok bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil || !strings.HasSuffix(real, ".js") {
		return "", nil, false
	}
	pkgRoot := filepath.Dir(filepath.Dir(real)) // .../node_modules/@openai/codex
	if filepath.Base(pkgRoot) != "codex" || filepath.Base(filepath.Dir(pkgRoot)) != "@openai" {
		return "", nil, false
	}
	triple := map[string]string{"amd64": "x86_64-unknown-linux-musl", "arm64": "aarch64-unknown-linux-musl"}[runtime.GOARCH]
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	if runtime.GOOS != "linux" || triple == "" {
		return "", nil, false
	}
	scope := filepath.Dir(pkgRoot)
	for _, vendor := range []string{
		filepath.Join(scope, "codex-linux-"+arch, "vendor"),
		filepath.Join(pkgRoot, "node_modules", "@openai", "codex-linux-"+arch, "vendor"),
		filepath.Join(pkgRoot, "vendor"),
	} {
		// 0.169 keeps it in bin/, 0.125 in codex/.
		for _, sub := range []string{"bin", "codex"} {
			p := filepath.Join(vendor, triple, sub, "codex")
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
				// What the launcher tells the binary about how it was installed.
				return p, []string{"CODEX_MANAGED_PACKAGE_ROOT=" + pkgRoot, "CODEX_MANAGED_BY_NPM=1"}, true
			}
		}
	}
	return "", nil, false
}
