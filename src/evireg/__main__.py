from evireg.cli import main

main()
