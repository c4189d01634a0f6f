"""In-app notifications with an unread count in the header, and their e-mail in the recipient's language:
work returned or accepted, a new submission for the cohort's mentors, due-date reminders (sent by
`flask notifications send-due`), an issued badge, and an extension request approved or declined or more time
given. Listens to reviews, submissions, badges and deadlines."""
