"""Copy the browser libraries pinned in package-lock.json from node_modules into static/vendor (`make vendor`).

The files are copied byte for byte, each library with its licence files, so the app runs with no Node and no
network. Run `npm ci` first; this script imports nothing from the app. `tests/test_web_assets.py` checks that
the vendored files are these, at the locked versions."""
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"

# package -> files to copy (from node_modules/<package>/), each to static/vendor/<package>/<file name>.
# UMD builds, loaded as classic scripts: Preact's hooks module imports the bare specifier "preact", which a
# browser resolves only through an import map, an inline script that the Content-Security-Policy refuses.
FILES = {
    "preact": ["dist/preact.min.umd.js", "hooks/dist/hooks.umd.js", "LICENSE"],
    "htm": ["dist/htm.umd.js", "LICENSE"],
    # The "common" build: bar, line and pie charts with the SVG renderer and the aria component (715 kB;
    # the full build is 1.1 MB). It bundles zrender and tslib's helpers: their licences come along.
    "echarts": ["dist/echarts.common.min.js", "LICENSE", "NOTICE", "licenses/LICENSE-d3"],
    "zrender": ["LICENSE"],
    "tslib": ["LICENSE.txt"],
}


def locked_versions(root: Path = ROOT) -> dict[str, str]:
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in FILES}


def main() -> int:
    modules = ROOT / "node_modules"
    versions = locked_versions()
    for name, files in FILES.items():
        installed = json.loads((modules / name / "package.json").read_text(encoding="utf-8"))["version"]
        if installed != versions[name]:
            print(f"node_modules/{name} is {installed}, package-lock.json says {versions[name]}: run `npm ci`",
                  file=sys.stderr)
            return 1
        target = VENDOR / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for file in files:
            shutil.copyfile(modules / name / file, target / Path(file).name)
        (target / "VERSION").write_text(versions[name] + "\n", encoding="utf-8")
        print(f"{name} {versions[name]}: {', '.join(Path(f).name for f in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
