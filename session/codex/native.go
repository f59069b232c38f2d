package codex

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// codexPlatforms is how the @openai/codex npm package lays out its native binaries: per
// GOOS/GOARCH, the optional platform package (@openai/codex-<pkg>, which npm installs
// next to the launcher or below it) and the Rust target triple it keeps the binary
// under, as the launcher (bin/codex.js) maps process.platform and process.arch.
var codexPlatforms = map[string]struct{ pkg, triple string }{
	"linux/amd64":   {"linux-x64", "x86_64-unknown-linux-musl"},
	"linux/arm64":   {"linux-arm64", "aarch64-unknown-linux-musl"},
	"darwin/amd64":  {"darwin-x64", "x86_64-apple-darwin"},
	"darwin/arm64":  {"darwin-arm64", "aarch64-apple-darwin"},
	"windows/amd64": {"win32-x64", "x86_64-pc-windows-msvc"},
	"windows/arm64": {"win32-arm64", "aarch64-pc-windows-msvc"},
}

// nativeBinary finds the native codex binary behind the npm package's Node launcher
// (bin/codex.js), or on Windows behind the codex.cmd shim npm writes for it. Running it
// directly matters: where Node has no process.execve (older Node, and always on
// Windows) the launcher spawns the binary as its own child, so ending the launcher
// would leave the real codex running; it also spares every run Node's start-up. ok is
// false when path is not that launcher or the binary is not where the package puts it.
func nativeBinary(path string) (native string, env []string, ok bool) {
	return nativeFor(path, runtime.GOOS, runtime.GOARCH)
}

// cmdShimTarget finds the script an npm .cmd shim runs: the quoted path after %dp0%
// (npm's cmd-shim) or %~dp0 (pnpm's), relative to the shim's own directory.
var cmdShimTarget = regexp.MustCompile(`(?i)"%~?dp0%?\\([^"]*\.js)"`)

func nativeFor(path, goos, goarch string) (native string, env []string, ok bool) {
	plat, known := codexPlatforms[goos+"/"+goarch]
	if !known {
		return "", nil, false
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", nil, false
	}
	if goos == "windows" && strings.EqualFold(filepath.Ext(real), ".cmd") {
		shim, err := os.ReadFile(real)
		if err != nil {
			return "", nil, false
		}
		m := cmdShimTarget.FindSubmatch(shim)
		if m == nil {
			return "", nil, false
		}
		rel := filepath.FromSlash(strings.ReplaceAll(string(m[1]), `\`, "/"))
		if real, err = filepath.EvalSymlinks(filepath.Join(filepath.Dir(real), rel)); err != nil {
			return "", nil, false
		}
	}
	if !strings.HasSuffix(real, ".js") {
		return "", nil, false
	}
	pkgRoot := filepath.Dir(filepath.Dir(real)) // .../node_modules/@openai/codex
	if filepath.Base(pkgRoot) != "codex" || filepath.Base(filepath.Dir(pkgRoot)) != "@openai" {
		return "", nil, false
	}
	exe := "codex"
	if goos == "windows" {
		exe = "codex.exe"
	}
	scope := filepath.Dir(pkgRoot)
	for _, vendor := range []string{
		filepath.Join(scope, "codex-"+plat.pkg, "vendor"),
		filepath.Join(pkgRoot, "node_modules", "@openai", "codex-"+plat.pkg, "vendor"),
		filepath.Join(pkgRoot, "vendor"),
	} {
		// 0.169 keeps it in bin/, 0.125 in codex/.
		for _, sub := range []string{"bin", "codex"} {
			p := filepath.Join(vendor, plat.triple, sub, exe)
			st, err := os.Stat(p)
			// Windows has no executable bit to look at.
			if err == nil && st.Mode().IsRegular() && (goos == "windows" || st.Mode()&0o111 != 0) {
				// What the launcher tells the binary about how it was installed.
				return p, []string{"CODEX_MANAGED_PACKAGE_ROOT=" + pkgRoot, "CODEX_MANAGED_BY_NPM=1"}, true
			}
		}
	}
	return "", nil, false
}
