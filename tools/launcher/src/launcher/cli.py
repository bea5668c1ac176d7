def main() -> None:
    raise SystemExit("dorf: not yet")
