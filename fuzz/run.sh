#!/bin/sh
# Run every atheris target for FUZZ_SECONDS (default 120) each; crashes are saved as
# fuzz/crashes/<target>/crash-* and make this script exit non-zero. Seeds come from
# tests/corpus/ and examples/. Usage: fuzz/run.sh [target ...]   (make fuzz)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python=${PYTHON:-"$root/.venv/bin/python"}
seconds=${FUZZ_SECONDS:-120}
targets=${*:-"strength formula catalog records"}
status=0
for target in $targets; do
    seeds="$here/seeds/$target"
    crashes="$here/crashes/$target"
    mkdir -p "$seeds" "$crashes"
    case $target in
        strength) "$python" "$here/seeds.py" strength "$seeds" ;;
        formula) "$python" "$here/seeds.py" formula "$seeds" ;;
        catalog) "$python" "$here/seeds.py" catalog "$seeds" ;;
        records) "$python" "$here/seeds.py" records "$seeds" ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
    echo "== fuzz_$target for ${seconds}s"
    (cd "$root" && PYTHONPATH="$root:$here" "$python" "$here/fuzz_$target.py" \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$seeds") || status=1
done
exit $status
