package codex

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// npmShim is what npm's cmd-shim writes for a global install (%APPDATA%\npm\codex.cmd).
const npmShim = `@ECHO off
GOTO start
:find_dp0
SET dp0=%~dp0
EXIT /b
:start
SETLOCAL
CALL :find_dp0

IF EXIST "%dp0%\node.exe" (
  SET "_prog=%dp0%\node.exe"
) ELSE (
  SET "_prog=node"
  SET PATHEXT=%PATHEXT:;.JS;=;%
)

endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%"  "%dp0%\node_modules\@openai\codex\bin\codex.js" %*
`

// pnpmShim is the shape of pnpm's, which names the script relative to %~dp0.
const pnpmShim = "@SETLOCAL\r\n@IF EXIST \"%~dp0\\node.exe\" (\r\n  \"%~dp0\\node.exe\" \"%~dp0\\..\\@openai\\codex\\bin\\codex.js\" %*\r\n)\r\n"

// The npm package's layouts, per platform and version, and the launchers the
// server may be pointed at: the native binary is found behind each.
func TestNativeBinaryBehindTheLauncher(t *testing.T) {
	cases := []struct {
		name, goos, goarch string
		// files to create under the install root; the first is the binary to find ("" none)
		binary string
		files  []string
		shim   string // a .cmd shim to write at launcher
		// launcher is what the server is pointed at, relative to the root
		launcher string
	}{
		{"linux x64, 0.169, package beside", "linux", "amd64", "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex", nil, "", "node_modules/.bin/codex"},
		{"linux arm64, 0.125 layout", "linux", "arm64", "node_modules/@openai/codex-linux-arm64/vendor/aarch64-unknown-linux-musl/codex/codex", nil, "", "node_modules/.bin/codex"},
		{"macOS arm64, package nested", "darwin", "arm64", "node_modules/@openai/codex/node_modules/@openai/codex-darwin-arm64/vendor/aarch64-apple-darwin/bin/codex", nil, "", "node_modules/.bin/codex"},
		{"macOS x64, vendored in the package", "darwin", "amd64", "node_modules/@openai/codex/vendor/x86_64-apple-darwin/bin/codex", nil, "", "node_modules/.bin/codex"},
		{"macOS arm64 has no x64 binary", "darwin", "arm64", "", []string{"node_modules/@openai/codex-darwin-x64/vendor/x86_64-apple-darwin/bin/codex"}, "", "node_modules/.bin/codex"},
		{"windows x64, global npm shim", "windows", "amd64", "node_modules/@openai/codex/node_modules/@openai/codex-win32-x64/vendor/x86_64-pc-windows-msvc/bin/codex.exe", nil, npmShim, "codex.cmd"},
		{"windows arm64, pnpm shim", "windows", "arm64", "node_modules/@openai/codex-win32-arm64/vendor/aarch64-pc-windows-msvc/bin/codex.exe", nil, pnpmShim, "node_modules/.bin/codex.cmd"},
		{"windows, 0.125 layout", "windows", "amd64", "node_modules/@openai/codex-win32-x64/vendor/x86_64-pc-windows-msvc/codex/codex.exe", nil, pnpmShim, "node_modules/.bin/codex.cmd"},
		{"windows, a shim for something else", "windows", "amd64", "", []string{"node_modules/@openai/codex-win32-x64/vendor/x86_64-pc-windows-msvc/bin/codex.exe"}, "@echo off\r\nnode \"%dp0%\\other.js\"\r\n", "codex.cmd"},
		{"no binary installed", "linux", "amd64", "", nil, "", "node_modules/.bin/codex"},
		{"a platform npm has no binary for", "linux", "386", "", []string{"node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"}, "", "node_modules/.bin/codex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			launcherJS := filepath.Join(root, "node_modules", "@openai", "codex", "bin", "codex.js")
			files := append([]string{"node_modules/@openai/codex/bin/codex.js"}, c.files...)
			if c.binary != "" {
				files = append(files, c.binary)
			}
			for _, f := range files {
				p := filepath.Join(root, filepath.FromSlash(f))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			launcher := filepath.Join(root, filepath.FromSlash(c.launcher))
			if err := os.MkdirAll(filepath.Dir(launcher), 0o755); err != nil {
				t.Fatal(err)
			}
			if c.shim != "" {
				if err := os.WriteFile(launcher, []byte(c.shim), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Symlink(launcherJS, launcher); err != nil {
				if runtime.GOOS == "windows" {
					launcher = launcherJS // no symlinks without privileges: the script itself
				} else {
					t.Fatal(err)
				}
			}
			got, env, ok := nativeFor(launcher, c.goos, c.goarch)
			want := ""
			if c.binary != "" {
				want, _ = filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(c.binary)))
			}
			if want == "" {
				if ok {
					t.Fatalf("found %s", got)
				}
				return
			}
			pkgRoot, _ := filepath.EvalSymlinks(filepath.Dir(filepath.Dir(launcherJS)))
			if !ok || got != want || len(env) != 2 || env[0] != "CODEX_MANAGED_PACKAGE_ROOT="+pkgRoot {
				t.Fatalf("got %q %q %v, want %q", got, env, ok, want)
			}
		})
	}
}
