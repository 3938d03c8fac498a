"""The most common passwords, refused whatever their case.

The head of public lists of leaked passwords (the NCSC "100,000 most common" list and
SecLists' 10k list, in their order), with offensive entries left out. Entries shorter
than the minimum length are refused by the length rule anyway; they are kept so the list
stays recognisable and keeps working if the minimum changes. Pure data: no file is read.
"""

from __future__ import annotations

_LIST = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123
baseball abc123 football monkey letmein shadow master 666666 qwertyuiop 123321 mustang
1234567890 michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer
trustno1 jordan jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger
sunshine iloveyou 2000 charlie robert thomas hockey ranger daniel starwars klaster
112233 george computer michelle jessica pepper 1111 zxcvbn 555555 11111111 131313
freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer
love ashley nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder
taylor matrix william corvette hello martin heather secret merlin diamond 1234qwer
gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick
internet scooter orange 11111 golfer cookie richard samantha bigdog guitar jackson
whatever mickey chicken sparky snoopy maverick phoenix camaro peanut morgan welcome
falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota arsenal
eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123
gateway marina diablo bulldog qwer1234 compaq purple banana junior hannah 123654 porsche
lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000
miller boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver
redsox player nikita knight fender barney midnight please brandy chicago badboy slayer
rangers charles angel flower bigdaddy rabbit wizard jasper enter rachel chris steven
winner adidas victoria natasha 1q2w3e4r jasmine winter prince marine ghbdtn fishing
cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321
12344321 golden 8675309 panther lauren angela spanky thx1138 angels madison winston
shannon mike toyota jordan23 canada sophie apples tiger razz 123abc pokemon qazxsw 55555
qwaszx muffin johnson murphy cooper jonathan liverpoo david danielle 159357 jackie 1990
123456a 789456 turtle abcd1234 scorpion qazwsxedc 101010 butter carlos password1 dennis
slipknot qwerty123 booger asdf 1991 black startrek 12341234 cameron newyork rainbow
nathan john 1992 rocket viking redskins asdfghjkl 1212 sierra peaches gemini doctor
wilson sandra helpme qwertyui victor florida dolphin pookie captain tucker blue
liverpool theman bandit dolphins maddog packers jaguar lovers nicholas united tiffany
maxwell zzzzzz nirvana jeremy stupid monica elephant giants jackass hotdog rosebud
success debbie mountain 444444 xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert
metallic lucky azerty 7777 alex bond007 alexis 1111111 samson 5150 willie scorpio bonnie
gators benjamin voodoo driver dexter 2112 jason calvin freddy 212121 creative 12345a
sydney rush2112 1989 asdfghjk red123 bubba 4815162342 passw0rd trouble gunner happy
gordon legend jessie stella qwert eminem arthur apple nissan bear america 1qazxsw2
nothing parker 4444 rebecca qweqwe garfield 01012011 beavis jack asdasd december 2222
102030 252525 11223344 magic apollo skippy 315475 girls kitten golf copper braves shelby
godzilla beaver fred tomcat august buddy airborne 1993 1988 lifehack qqqqqq brooklyn
animal platinum phantom online xavier darkness blink182 power fish green 789456123
voyager police travis 12qwaszx heaven snowball lover abcdef 00000 pakistan 007007 walter
blazer cricket sniper donkey willow loveme saturn therock redwings bigboy pumpkin
trinity williams nintendo digital destiny topgun runner marvin guinness chance bubbles
testing fire november minecraft asdf1234 lasvegas sergey broncos cartman private celtic
birdie little cassie babygirl donald beatles 1313 family 12121212 school louise gabriel
eclipse fluffy 147258369 lol123 explorer beer nelson flyers spencer scott lovely gibson
doggie cherry andrey snickers buffalo pantera metallica member carter qwertyu peter
alexande steve bronco paradise goober 5555 samuel montana mexico dreams michigan
carolina friends magnum surfer maximus genius cool vampire lacrosse asd123 aaaa christin
kimberly speedy sharon carmen 111222 kristina sammy racing ou812 sabrina horses
0987654321 qwerty1 baby stalker enigma 147147 star poohbear 147258 simple 12345q marcus
brian 1987 qweasdzxc drowssap hahaha caroline barbara dave viper drummer action einstein
genesis hello1 scotty friend forest 010203 hotrod google vanessa spitfire badger
maryjane friday alaska 1232323q tester jester jake champion billy 147852 rock hawaii
badass chevy 420420 walker stephen eagle1 bill 1986 october gregory svetlana pamela 1984
music shorty westside stanley diesel courtney 242424 kevin hitman mark 12345qwert reddog
frank qwe123 popcorn patricia aaaaaaaa 1969 teresa mozart buddha anderson paul melanie
abcdefg security lucky1 lizard denise 3333 a12345 123789 ruslan stargate simpsons
scarface eagle 123456789a thumper olivia naruto 1234554321 general cherokee a123456
vincent spooky qweasd free frankie douglas death 1980 loveyou kitty kelly veronica
suzuki semperfi penguin mercury liberty spirit scotland natalie marley vikings system
king allison marshall 1979 098765 qwerty12 hummer adrian 1985 vfhbyf sandman rocky
leslie antonio 98765432 4321 softball passion mnbvcxz passport rascal howard franklin
bigred alexander homer redrum jupiter claudia 55555555 141414 zaq12wsx patches raider
infinity andre 54321 galore college russia kawasaki bishop 77777777 vladimir money1
freeuser wildcat francis disney budlight brittany 1994 00000000 sweet oksana honda
domino bulldogs brutus swordfis norman monday jimmy ironman ford fantasy 9999 7654321
pppppp superstar password123 password12 password2 welcome1 welcome123 iloveyou1
princess1 football1 baseball1 letmein1 abc12345 abcd12345 admin123 administrator
changeme changeme123 p@ssw0rd p@ssword passw0rd1 pa55word qwerty1234 1qaz2wsx3edc
zaq1zaq1 qwertyuiop123 sunshine1 superman1 monkey123 dragon123 master123 123456789q
1234567890q 11111111111 111111111 123123123123 12345678910 0123456789 01234567
123456789012 1234512345
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_LIST.split())
"""Lower-case common passwords."""
