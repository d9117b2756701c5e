from pooltune.cli import main

main()
