import AllyCLI

AllyCLI.main()
