import AllyServer

await ServerCommand.runAsync()
