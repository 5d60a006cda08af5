"""The channels people reach the bot through: REST and socket.io (`web`), Slack (`slack`), and the
website widget's files and origin check (`widget`). They import no actions and no knowledge base."""
